package io.dgan.data;

import io.dgan.model.Shape;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A folder of PNG/JPEG images, resized (bilinear) to side×side, grayscale or RGB. Images directly in the folder get
 * label 0; with sub-folders, each sub-folder (sorted by name) is one class.
 */
public final class ImageFolderReader {
    private ImageFolderReader() {
    }

    public static ImageDataset read(Path folder, int side, int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (!Files.isDirectory(folder)) {
            throw new DataFileException(folder, "no such directory (expected a folder of .png/.jpg images)");
        }
        TreeMap<String, List<Path>> byClass = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder, 2)) {
            walk.filter(Files::isRegularFile).filter(ImageFolderReader::isImage).sorted().forEach(p -> {
                Path rel = folder.relativize(p);
                String cls = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
                byClass.computeIfAbsent(cls, k -> new ArrayList<>()).add(p);
            });
        } catch (IOException e) {
            throw new DataFileException(folder, "cannot list (" + e.getMessage() + ")", e);
        }
        int count = byClass.values().stream().mapToInt(List::size).sum();
        if (count == 0) {
            throw new DataFileException(folder, "contains no .png/.jpg/.jpeg images");
        }
        Shape shape = Shape.image(channels, side, side);
        byte[] pixels = new byte[count * shape.length()];
        int[] labels = new int[count];
        int i = 0;
        int label = 0;
        for (List<Path> files : byClass.values()) {
            for (Path f : files) {
                BufferedImage img;
                try {
                    img = ImageIO.read(f.toFile());
                } catch (IOException e) {
                    throw new DataFileException(f, "cannot decode image (" + e.getMessage() + ")", e);
                }
                if (img == null) {
                    throw new DataFileException(f, "not a decodable PNG/JPEG image");
                }
                writeResized(img, side, channels, pixels, i * shape.length());
                labels[i++] = label;
            }
            label++;
        }
        return new ImageDataset(folder.getFileName().toString(), shape, pixels, labels, byClass.size());
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    private static void writeResized(BufferedImage src, int side, int channels, byte[] dst, int offset) {
        BufferedImage scaled = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, side, side, null);
        g.dispose();
        int plane = side * side;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int rgb = scaled.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int gr = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                int p = y * side + x;
                if (channels == 1) {
                    dst[offset + p] = (byte) Math.round(0.299 * r + 0.587 * gr + 0.114 * b);
                } else {
                    dst[offset + p] = (byte) r;
                    dst[offset + plane + p] = (byte) gr;
                    dst[offset + 2 * plane + p] = (byte) b;
                }
            }
        }
    }
}
